/** A user as the domain and the API see it: never the password or its hash. */
export interface User {
  id: string;
  email: string;
}

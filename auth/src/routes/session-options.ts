/** What the routes that sign users in need to mint a session token. */
export interface SessionOptions {
  jwtKey: string;
  /** Token lifetime in seconds. */
  jwtTtl: number;
}

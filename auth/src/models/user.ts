import mongoose, { HydratedDocument, Model, Schema } from 'mongoose';
import { hashPassword, verifyPassword } from '../services/password';

/** What a user is created from. The password is plain text here and hashed on save. */
export interface UserAttrs {
  email: string;
  password: string;
}

interface UserMethods {
  /** Whether `supplied` is this user's password. */
  verifyPassword(supplied: string): Promise<boolean>;
}

export type UserModel = Model<UserAttrs, object, UserMethods>;
export type UserDoc = HydratedDocument<UserAttrs, UserMethods>;

const userSchema = new Schema<UserAttrs, UserModel, UserMethods>(
  {
    // Stored trimmed and lower-case, so the unique index makes emails unique regardless of case.
    email: { type: String, required: true, unique: true, trim: true, lowercase: true },
    password: { type: String, required: true },
  },
  {
    toJSON: {
      // The public shape: never the password hash, `_id` or `__v`.
      transform: (_doc, ret) => ({ id: String(ret._id), email: ret.email }),
    },
  },
);

userSchema.pre('save', async function hashChangedPassword() {
  if (this.isModified('password')) this.password = await hashPassword(this.password);
});

userSchema.method('verifyPassword', function checkPassword(this: UserDoc, supplied: string) {
  return verifyPassword(this.password, supplied);
});

export const User = mongoose.model<UserAttrs, UserModel>('User', userSchema);

import mongoose, { HydratedDocument, Model, Schema, Types } from 'mongoose';
import { hashPassword, verifyPassword } from '../domain/password';
import type { User as UserView } from '../domain/user';

/** What a user is created from. The password is plain text here and hashed on save. */
export interface UserAttrs {
  email: string;
  password: string;
}

interface UserMethods {
  /** Whether `supplied` is this user's password (`clientKey`: its turn in the hashing queue). */
  verifyPassword(supplied: string, clientKey?: string): Promise<boolean>;
}

export type UserDoc = HydratedDocument<UserAttrs, UserMethods>;

export interface UserModel extends Model<UserAttrs, object, UserMethods> {
  /** A new, unsaved user (the course's `User.build(attrs)`). */
  build(attrs: UserAttrs): UserDoc;
}

/** The public shape: `_id` becomes `id`; never the password hash or `__v`. */
function toView(ret: { _id: Types.ObjectId; email: string }): UserView {
  return { id: ret._id.toHexString(), email: ret.email };
}

const userSchema = new Schema<UserAttrs, Model<UserAttrs, object, UserMethods>, UserMethods>(
  {
    // Stored trimmed and lower-case, so the unique index makes emails unique regardless of case.
    email: { type: String, required: true, unique: true, trim: true, lowercase: true },
    password: { type: String, required: true },
  },
  {
    toJSON: { transform: (_doc, ret) => toView(ret as unknown as { _id: Types.ObjectId; email: string }) },
  },
);

userSchema.pre('save', async function hashChangedPassword() {
  if (this.isModified('password')) {
    const clientKey = typeof this.$locals.clientKey === 'string' ? this.$locals.clientKey : '';
    this.password = await hashPassword(this.password, clientKey);
  }
});

userSchema.method('verifyPassword', function checkPassword(this: UserDoc, supplied: string, clientKey?: string) {
  return verifyPassword(this.password, supplied, clientKey);
});

userSchema.statics.build = function build(this: Model<UserAttrs, object, UserMethods>, attrs: UserAttrs): UserDoc {
  return new this(attrs);
};

export const User = mongoose.model<UserAttrs, UserModel>('User', userSchema);

/** The plain user (what the domain returns) of a user document. */
export function toUser(doc: UserDoc): UserView {
  return toView(doc);
}

// The shape of command handlers and helpers they share.
import { effectiveCollation, parseCollation } from '../collation';
import { CommandError, ErrorCodes } from '../errors';
import type { WriteValidation } from '../document-validation';
import type { QueryOptions } from '../query';
import type { ServerState } from '../state';
import type { Session, Transaction } from '../transactions';
import type { Doc } from '../values';

export interface ConnectionInfo {
  readonly id: number;
  readonly remote: string;
  appName: string | undefined;
  /** Set by the shutdown command: close without replying. */
  closeAfterReply: boolean;
}

export interface CommandContext {
  readonly server: ServerState;
  readonly connection: ConnectionInfo;
  /** The database the command was sent to ($db). */
  readonly db: string;
  readonly name: string;
  readonly body: Doc;
  /** The open transaction the command is a statement of. */
  readonly txn: Transaction | undefined;
  readonly session: Session | undefined;
}

export interface CommandSpec {
  run(ctx: CommandContext): Promise<Doc> | Doc;
  /** May run inside a multi-document transaction. */
  inTransaction?: boolean;
  /** Is a retryable write when sent with a txnNumber outside a transaction. */
  retryableWrite?: boolean;
  /** Only on the admin database. */
  adminOnly?: boolean;
  /** Needs a writable primary (fails with NotWritablePrimary before replSetInitiate). */
  write?: boolean;
  /** A read that a secondary answers only with a non-primary read preference (NotPrimaryNoSecondaryOk). */
  read?: boolean;
}

export type CommandTable = Record<string, CommandSpec>;

/** The collection a command targets: the value of its first field. */
export function targetCollection(ctx: CommandContext): string {
  const value = ctx.body[ctx.name];
  if (typeof value !== 'string' || value.length === 0) {
    throw new CommandError(ErrorCodes.InvalidNamespace, `collection name has invalid type ${typeof value}`);
  }
  return value;
}

export function optionalDoc(value: unknown, what: string): Doc | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new CommandError(
      ErrorCodes.TypeMismatch,
      `BSON field '${what}' is the wrong type '${Array.isArray(value) ? 'array' : typeof value}', expected type 'object'`,
    );
  }
  return value as Doc;
}

export function requireArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value))
    throw new CommandError(ErrorCodes.TypeMismatch, `BSON field '${what}' is the wrong type, expected type 'array'`);
  return value;
}

/** The collation (the statement's, the command's, else the collection's default) and `let`
 *  variables a command's queries run with. */
export function queryOptions(ctx: CommandContext, collectionName: string, statementCollation?: unknown): QueryOptions {
  const explicit = statementCollation ?? ctx.body.collation;
  const view = ctx.server.catalog.view(ctx.db, collectionName);
  if (view) {
    // An operation on a view runs with the view's collation and may not ask for another (SERVER-25186).
    const collation = parseCollation(view.collation);
    if (explicit !== undefined && explicit !== null && parseCollation(explicit) !== collation) {
      throw new CommandError(ErrorCodes.OptionNotSupportedOnView, `Cannot override a view's default collation`);
    }
    return { collation, variables: optionalDoc(ctx.body.let, 'let') };
  }
  const collection = ctx.server.catalog.collection(ctx.db, collectionName, ctx.txn);
  return { collation: effectiveCollation(explicit, collection?.options), variables: optionalDoc(ctx.body.let, 'let') };
}

/** How this command's writes are checked against collection validators. */
export function writeValidation(ctx: CommandContext): WriteValidation {
  return { bypass: ctx.body.bypassDocumentValidation === true, log: ctx.server.log, connectionId: ctx.connection.id };
}

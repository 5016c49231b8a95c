// Write concern on a single-member replica set: w up to 1 (or "majority") is satisfied at once;
// more members than the set has, or an unknown tag set, is reported as mongod reports it — a
// writeConcernError beside the command's result, the write itself applied.
import { CommandError, ErrorCodes } from './errors';
import { isDoc, isNumeric, toNumber, type Doc } from './values';

export const MEMBERS = 1;

export function checkWriteConcernShape(writeConcern: unknown): void {
  if (writeConcern === undefined) return;
  if (!isDoc(writeConcern))
    throw new CommandError(ErrorCodes.FailedToParse, "BSON field 'writeConcern' is the wrong type, expected type 'object'");
  const w = writeConcern.w;
  if (w === undefined || typeof w === 'string') return;
  if (!isNumeric(w) || toNumber(w) < 0 || !Number.isInteger(toNumber(w))) {
    throw new CommandError(ErrorCodes.FailedToParse, 'w has to be a non-negative number and not greater than 50; found: ' + String(w));
  }
}

/** The writeConcernError a satisfied-or-not write concern gets, if any. */
export function writeConcernErrorFor(writeConcern: unknown): Doc | undefined {
  if (!isDoc(writeConcern)) return undefined;
  const w = writeConcern.w;
  const errInfo = { writeConcern: { ...writeConcern, provenance: 'clientSupplied' } };
  if (isNumeric(w) && toNumber(w) > MEMBERS) {
    return {
      code: ErrorCodes.UnsatisfiableWriteConcern,
      codeName: 'UnsatisfiableWriteConcern',
      errmsg: 'Not enough data-bearing nodes',
      errInfo,
    };
  }
  if (typeof w === 'string' && w !== 'majority') {
    return {
      code: ErrorCodes.UnknownReplWriteConcern,
      codeName: 'UnknownReplWriteConcern',
      errmsg: `No write concern mode named '${w}' found in replica set configuration`,
      errInfo,
    };
  }
  return undefined;
}

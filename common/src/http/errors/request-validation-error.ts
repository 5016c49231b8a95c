import type { ValidationError } from 'express-validator';
import { CustomError, SerializedError } from './custom-error';

/** 400 listing every failed body rule, each with the field it concerns. */
export class RequestValidationError extends CustomError {
  readonly statusCode = 400;

  constructor(readonly validationErrors: readonly ValidationError[]) {
    super('Invalid request parameters');
  }

  serializeErrors(): SerializedError[] {
    return this.validationErrors.flatMap((error): SerializedError[] => {
      switch (error.type) {
        case 'field':
          return [{ message: String(error.msg), field: error.path }];
        case 'unknown_fields':
          return error.fields.map((field) => ({ message: String(error.msg), field: field.path }));
        default:
          return [{ message: String(error.msg) }];
      }
    });
  }
}

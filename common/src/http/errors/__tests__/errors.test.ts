import { BadRequestError, ConflictError, CustomError, NotAuthorizedError, NotFoundError, RequestValidationError } from '..';

describe('custom errors', () => {
  it.each([
    [new BadRequestError('Email in use'), 400, 'Email in use'],
    [new NotAuthorizedError(), 401, 'Not authorized'],
    [new NotFoundError(), 404, 'Not found'],
    [new ConflictError(), 409, 'Conflict'],
  ])('when %p is created, then it is a CustomError with its status and one message', (error, status, message) => {
    expect(error).toBeInstanceOf(CustomError);
    expect(error).toBeInstanceOf(Error);
    expect(error.statusCode).toBe(status);
    expect(error.serializeErrors()).toEqual([{ message }]);
    expect(error.name).toBe(error.constructor.name);
  });

  it('when a validation error lists field errors, then each is serialized with its field', () => {
    const error = new RequestValidationError([
      { type: 'field', location: 'body', path: 'email', value: 'x', msg: 'Email must be valid' },
      { type: 'field', location: 'body', path: 'password', value: '', msg: 'Password must be between 4 and 20 characters' },
    ]);
    expect(error.statusCode).toBe(400);
    expect(error.serializeErrors()).toEqual([
      { message: 'Email must be valid', field: 'email' },
      { message: 'Password must be between 4 and 20 characters', field: 'password' },
    ]);
  });

  it('when a validation error is not about one field, then it is serialized without a field', () => {
    const error = new RequestValidationError([
      { type: 'alternative', msg: 'Give an email or a phone', nestedErrors: [] },
      { type: 'unknown_fields', msg: 'Unknown field', fields: [{ path: 'admin', location: 'body', value: true }] },
    ]);
    expect(error.serializeErrors()).toEqual([{ message: 'Give an email or a phone' }, { message: 'Unknown field', field: 'admin' }]);
  });
});

import { CustomError, SerializedError } from '@ticketing/common/http';

/** 402: the card was declined; the message is the provider's ("Your card was declined."). */
export class PaymentDeclinedError extends CustomError {
  readonly statusCode = 402;

  serializeErrors(): SerializedError[] {
    return [{ message: this.message }];
  }
}

/** 502: the provider could not be reached or failed; the claim stays pending until reconciliation resolves it. */
export class PaymentProviderError extends CustomError {
  readonly statusCode = 502;

  constructor(message = 'The payment provider did not answer; the payment will be confirmed or released shortly') {
    super(message);
  }

  serializeErrors(): SerializedError[] {
    return [{ message: this.message }];
  }
}

/** The payments service's queue group (and durable consumer prefix). */
export const QUEUE_GROUP_NAME = 'payments-service';

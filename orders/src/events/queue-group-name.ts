/** The orders service's queue group: its replicas share each event. Also the inbox's key prefix. */
export const QUEUE_GROUP_NAME = 'orders-service';

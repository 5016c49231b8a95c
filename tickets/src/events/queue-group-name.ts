/** Replicas of the tickets service share each order event through this queue group. */
export const QUEUE_GROUP_NAME = 'tickets-service';

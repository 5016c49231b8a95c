const money = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

export function formatPrice(price: number): string {
  return money.format(price);
}

/** "14:05 left", "0:07 left": minutes and seconds until the deadline. */
export function formatTimeLeft(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return `${minutes}:${String(seconds).padStart(2, '0')} left`;
}

const STATUS_LABELS: Record<string, string> = {
  created: 'awaiting payment',
  'awaiting:payment': 'awaiting payment',
  cancelled: 'cancelled',
  complete: 'complete',
};

export function statusLabel(status: string): string {
  return STATUS_LABELS[status] ?? status;
}

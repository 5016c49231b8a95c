import type { DeadLetter } from '@ticketing/common/transport';

/** One line per dead letter under a header; the reason last, since it is the longest. */
export function letterTable(letters: readonly DeadLetter[]): string {
  const rows = [
    ['ID', 'TIME', 'QUEUE GROUP', 'SUBJECT', 'DELIVERIES', 'REASON'],
    ...letters.map((l) => [l.id, l.time, l.queueGroup, l.subject, String(l.deliveryCount), l.error]),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows
    .map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join('  '))
    .join('\n');
}

/** Every field of one dead letter, the event's data pretty-printed last. */
export function describeLetter(letter: DeadLetter): string {
  const lines: [string, string][] = [
    ['id', letter.id],
    ['subject', letter.subject],
    ['message id', letter.msgId ?? '(none)'],
    ['queue group', letter.queueGroup],
    ['consumer', letter.consumer],
    ['stream sequence', String(letter.streamSequence)],
    ['deliveries', String(letter.deliveryCount)],
    ['source', letter.source === 'listener' ? 'listener (its last delivery failed)' : 'advisory (the broker gave up)'],
    ['recorded', letter.time],
    ['reason', letter.error],
  ];
  const width = Math.max(...lines.map(([label]) => label.length));
  const data = typeof letter.data === 'string' ? letter.data : JSON.stringify(letter.data, null, 2);
  return [...lines.map(([label, value]) => `${label.padEnd(width)}  ${value}`), 'data', data].join('\n');
}

// The payload the crash test writes at (index, term): derived from both, of varying length, so
// the parent can tell an intact entry from a damaged, misplaced or stale one.
export function crashEntryData(index: number, term: number): Uint8Array {
  const data = new Uint8Array(((index * 7 + term * 13) % 300) + 1);
  for (let j = 0; j < data.byteLength; j++) data[j] = (index * 31 + term * 17 + j) & 0xff;
  return data;
}

/** A write of the loop that the cluster acknowledged: the put's revision, value and member. */
export interface AckedWrite {
  /** The revision the put response's header reported (the put's mod revision). */
  readonly revision: number;
  readonly value: string;
  /** The member the put went through. */
  readonly via: string;
}

/** The demo key as the store holds it at one revision; `undefined` when it has no such revision. */
export interface StoredVersion {
  readonly value: string;
  readonly modRevision: number;
}

/** An acknowledged write that the store no longer holds, and how that shows. */
export interface LostWrite {
  readonly write: AckedWrite;
  readonly reason: string;
}

/**
 * The acknowledged writes the store does not hold. A write acknowledged at revision R is present
 * when the key, read at R, has mod revision R and the written value. The loop writes one at a
 * time, so revisions of acknowledged writes also rise strictly in the order they were
 * acknowledged; a write whose revision does not (a later write took its place) is lost too.
 * `stored` maps each acknowledged revision to what a linearizable read at it found.
 */
export function findLostWrites(
  acked: readonly AckedWrite[],
  stored: ReadonlyMap<number, StoredVersion | undefined>,
): LostWrite[] {
  const lost: LostWrite[] = [];
  acked.forEach((write, i) => {
    const later = acked.slice(i + 1).find((w) => w.revision <= write.revision);
    const found = stored.get(write.revision);
    if (later !== undefined)
      lost.push({ write, reason: `a later write was acknowledged at revision ${later.revision}` });
    else if (found === undefined)
      lost.push({
        write,
        reason: `the store has no version of the key at revision ${write.revision}`,
      });
    else if (found.modRevision !== write.revision || found.value !== write.value)
      lost.push({
        write,
        reason: `at revision ${write.revision} the key holds ${found.value} (mod revision ${found.modRevision})`,
      });
  });
  return lost;
}

/** One line per lost write, for the demo's final report. */
export function describeLostWrite(lost: LostWrite): string {
  const { write } = lost;
  return `lost: ${write.value} at revision ${write.revision} (put via ${write.via}): ${lost.reason}`;
}

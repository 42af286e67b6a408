import { noop } from 'cockatiel';
import { Etcd3 } from 'etcd3';
import { requestDeadlineMs } from './limits.js';

/**
 * An etcd3 client bound to one member's client URL, as the article's program would make it. The
 * client's own retries and circuit breaker are off: the demo chooses the member of every call
 * itself, and a retried put would make its outcome unclear. Every unary call has a deadline of
 * `requestDeadlineMs`.
 */
export function memberClient(clientUrl: string): Etcd3 {
  return new Etcd3({
    hosts: clientUrl,
    faultHandling: { host: () => noop, global: noop },
    defaultCallOptions: (context) =>
      context.isStream ? {} : { deadline: Date.now() + requestDeadlineMs },
  });
}

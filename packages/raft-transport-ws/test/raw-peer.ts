// Test support: a hand-driven peer connection that speaks the wire format directly, so tests can
// send frames a real transport never would (garbage, mutations, oversize frames).
import { WebSocket } from 'ws';
import { connPurposes, controlFrame, frameKinds, protocolVersion } from '../src/codec.js';

/** An open, handshaken raw connection from member `from` to the member at `url`. */
export interface RawPeer {
  readonly ws: WebSocket;
  /** Resolves with the close code once the server closes the connection. */
  readonly closed: Promise<number>;
}

/** Dials `url` as member `from` to member `to`, sends HELLO and waits for WELCOME. */
export function rawPeer(
  url: string,
  route: { from: number; to: number; purpose?: number },
): Promise<RawPeer> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const closed = new Promise<number>((resolve) => ws.on('close', resolve));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('no welcome'));
    }, 5000);
    ws.on('error', reject);
    ws.on('open', () => {
      const hello = [
        protocolVersion,
        'cluster-a',
        'token-a',
        route.from,
        route.to,
        route.purpose ?? connPurposes.STREAM,
      ];
      ws.send(controlFrame(frameKinds.HELLO, hello));
    });
    ws.once('message', (data: Buffer) => {
      clearTimeout(timer);
      if (data[0] === frameKinds.WELCOME) resolve({ ws, closed });
      else reject(new Error('expected welcome'));
    });
  });
}

// A plain SMTP conversation with a server, as a test drives one by hand.
import net from 'node:net';

/** A plain SMTP conversation, one command at a time, each waiting for its reply; returns the last reply line of each. */
export async function conversation(port: number, commands: string[]): Promise<string[]> {
  const socket = net.connect(port, '127.0.0.1');
  let buffer = '';
  const waiting: Array<(line: string) => void> = [];
  socket.on('data', (data) => {
    buffer += data.toString();
    let end;
    // A reply is complete at a line with a space after its code (RFC 5321 §4.2.1).
    while ((end = buffer.search(/^\d{3} .*\r\n/m)) !== -1) {
      const rest = buffer.slice(end);
      const line = rest.slice(0, rest.indexOf('\r\n'));
      buffer = rest.slice(line.length + 2);
      waiting.shift()?.(line);
    }
  });
  const next = () => new Promise<string>((resolve) => waiting.push(resolve));
  const replies = [await next()];
  for (const command of commands) {
    const reply = next();
    socket.write(`${command}\r\n`);
    replies.push(await reply);
  }
  socket.end();
  return replies;
}

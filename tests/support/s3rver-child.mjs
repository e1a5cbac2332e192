// s3rver in its own process, started by tests/support/s3.ts with `--openssl-legacy-provider`: s3rver's
// ListObjectsV2 continuation tokens are DES-encrypted, and OpenSSL 3 offers DES only through that provider.
// argv: <directory> <bucket>... ; IPC out: { ready: port }, { request: { method, url, headers } }, { pong: id }.
import S3rver from 's3rver';

const [directory, ...buckets] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  configureBuckets: buckets.map((name) => ({ name })),
});
const address = await server.run();
server.httpServer.prependListener('request', (req) => {
  process.send({ request: { method: req.method, url: req.url, headers: req.headers } });
});
process.on('message', async (message) => {
  if (message?.ping !== undefined) process.send({ pong: message.ping });
  if (message?.stop === true) {
    server.httpServer.closeAllConnections();
    await server.close();
    process.disconnect();
  }
});
// The test process died or closed the channel: do not outlive it.
process.on('disconnect', () => process.exit(0));
process.send({ ready: address.port });

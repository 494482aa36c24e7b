/** Jest global teardown: what global setup started. Its templates stay for the next run. */
export default async function globalTeardown(): Promise<void> {
  await globalThis.sharedPubSubEmulator?.stop();
  await globalThis.embeddedPostgres?.stop();
}

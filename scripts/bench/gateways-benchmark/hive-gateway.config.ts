/**
 * Hive Gateway as the gateway benchmark configures it (its gateways/hive-gateway/gateway.config.ts):
 * identical requests in flight are answered once. `BENCH_HIVE_DEDUP=false` runs it without.
 */
export const gatewayConfig = {
  inboundInflightRequestDeduplication: process.env.BENCH_HIVE_DEDUP !== 'false',
};

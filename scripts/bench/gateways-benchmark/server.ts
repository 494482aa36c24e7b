/**
 * One subgraph of the gateway benchmark as its own process, as the benchmark runs its subgraphs:
 *
 *   node scripts/bench/gateways-benchmark/server.ts <accounts|inventory|products|reviews> <port>
 *
 * Prints `listening <url>` when it accepts requests; SIGTERM stops it. Started with an IPC channel, it
 * answers any message with the number of GraphQL requests it has executed, so the bench can tell how
 * many subgraph requests each gateway sends per query.
 */
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { BENCHMARK_SUBGRAPHS, BENCHMARK_SUBGRAPH_NAMES, type BenchmarkSubgraphName } from './subgraphs.ts';

const [name, port] = process.argv.slice(2);
if (!BENCHMARK_SUBGRAPH_NAMES.includes(name as BenchmarkSubgraphName) || !Number.isInteger(Number(port))) {
  process.stderr.write(`usage: server.ts <${BENCHMARK_SUBGRAPH_NAMES.join('|')}> <port>\n`);
  process.exit(64);
}
let requests = 0;
const server = new ApolloServer({
  schema: buildSubgraphSchema([BENCHMARK_SUBGRAPHS[name as BenchmarkSubgraphName]]),
  plugins: [
    ApolloServerPluginLandingPageDisabled(),
    ApolloServerPluginInlineTraceDisabled(),
    {
      async requestDidStart() {
        requests++;
      },
    },
  ],
});
process.on('message', () => process.send?.({ requests }));
const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: Number(port) } });
process.stdout.write(`listening ${url}\n`);
process.once('SIGTERM', () => void server.stop().then(() => process.exit(0)));

/** Reading what a service's /metrics serves, for the tests and the bench. */

/** Prometheus text as `name{labels}` → value (labels as written, in the order written). */
export function prometheusSamples(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

/** The samples the /metrics endpoint at `url` serves now. */
export async function scrapeMetrics(url: string): Promise<Map<string, number>> {
  return prometheusSamples(await (await fetch(url)).text());
}

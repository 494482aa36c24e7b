/**
 * The documentation's links lead somewhere: every relative link in README.md and docs/ names a file that
 * exists and, when it has a `#anchor` into a Markdown file, a heading of that file that makes the anchor
 * under GitHub's rules. Pages move and headings get renamed; a link that breaks then fails here instead of
 * on a reader. Links to other sites are not fetched.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README = join(ROOT, 'README.md');
const DOCS = join(ROOT, 'docs');
/** The README is the front door; the manual is in docs/. */
const README_MAX_LINES = 220;

function markdownFiles(): string[] {
  const pages = readdirSync(DOCS, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(DOCS, name))
    .sort();
  return [README, ...pages];
}

/**
 * The text with fenced code blocks and inline code blanked out (newlines kept, so offsets still give line
 * numbers): what looks like a link or a heading there is code, not Markdown.
 */
function proseOnly(text: string): string {
  const lines = text.split('\n');
  let fence: { char: string; length: number } | undefined;
  const kept = lines.map((line) => {
    const marker = /^\s*(`{3,}|~{3,})(.*)$/.exec(line);
    if (fence === undefined) {
      if (marker?.[1] === undefined) return line;
      fence = { char: marker[1][0] ?? '`', length: marker[1].length };
      return '';
    }
    const closes =
      marker?.[1] !== undefined &&
      marker[1][0] === fence.char &&
      marker[1].length >= fence.length &&
      marker[2]?.trim() === '';
    if (closes) fence = undefined;
    return '';
  });
  // A code span: a run of backticks up to the next run of the same length, within one paragraph.
  return kept
    .join('\n')
    .replace(/(?<!`)(`+)(?!`)(?:(?!\n\s*\n)[\s\S])*?(?<!`)\1(?!`)/g, (span) => span.replace(/[^\n]/g, ' '));
}

/** GitHub's anchor for a heading: its text, lower case, punctuation dropped but `-` and `_`, spaces to `-`. */
function githubSlug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link in a heading reads as its text
    .replace(/<[^>]+>/g, '') // so does inline HTML
    .replace(/[`*~]/g, ''); // code and emphasis marks are not text
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a Markdown file offers: its ATX headings (repeats numbered as GitHub does), and HTML ids. */
function anchorsOf(file: string): Set<string> {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const heading = /^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
  // Headings are found in the prose (a `# comment` in a code block is none), their text read from the
  // original line: a heading's code spans are part of its anchor.
  for (const [index, line] of proseOnly(text).split('\n').entries()) {
    if (!heading.test(line)) continue;
    const slug = githubSlug(heading.exec(lines[index] ?? '')?.[1] ?? '');
    const repeats = seen.get(slug) ?? 0;
    seen.set(slug, repeats + 1);
    anchors.add(repeats === 0 ? slug : `${slug}-${repeats}`);
  }
  for (const [, id] of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(id ?? '');
  return anchors;
}

interface Link {
  file: string;
  line: number;
  text: string;
  target: string;
}

/** The relative links of a Markdown file: inline links and images, and reference definitions. */
function relativeLinks(file: string): Link[] {
  const text = readFileSync(file, 'utf8');
  const prose = proseOnly(text);
  const lineAt = (offset: number) => prose.slice(0, offset).split('\n').length;
  const links: Link[] = [];
  const inline = /!?\[((?:[^[\]]|\[[^[\]]*\])*)\]\(\s*(<[^>]*>|[^\s)]+)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g;
  for (const match of prose.matchAll(inline)) {
    const target = (match[2] ?? '').replace(/^<|>$/g, '');
    links.push({ file, line: lineAt(match.index), text: match[1] ?? '', target });
  }
  for (const match of prose.matchAll(/^ {0,3}\[([^\]]+)\]:\s*(\S+)/gm)) {
    links.push({ file, line: lineAt(match.index), text: match[1] ?? '', target: match[2] ?? '' });
  }
  // A scheme (https:, mailto:, …) is another site or application: not ours to resolve.
  return links.filter(({ target }) => !/^[a-z][a-z\d+.-]*:/i.test(target));
}

/** Why the link does not resolve, or undefined when it does. */
function brokenBecause({ file, target }: Link): string | undefined {
  const hash = target.indexOf('#');
  const path = decodeURIComponent(hash === -1 ? target : target.slice(0, hash));
  const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
  // On GitHub a path that starts with / is from the repository's root.
  const resolved =
    path === '' ? file : path.startsWith('/') ? join(ROOT, path) : resolve(dirname(file), path);
  if (!existsSync(resolved)) return `${relative(ROOT, resolved)} does not exist`;
  // Anchors into other files (#L10 of a source file) are GitHub's line links: only Markdown headings are ours.
  if (anchor === undefined || !resolved.endsWith('.md')) return undefined;
  if (anchorsOf(resolved).has(anchor)) return undefined;
  return `no heading of ${relative(ROOT, resolved)} makes #${anchor}`;
}

describe('the documentation', () => {
  it('resolves every relative link in README.md and docs/', () => {
    const links = markdownFiles().flatMap(relativeLinks);
    // The scan itself works: the README links to the docs.
    expect(links.length).toBeGreaterThan(10);
    const broken = links.flatMap((link) => {
      const reason = brokenBecause(link);
      return reason === undefined
        ? []
        : [`${relative(ROOT, link.file)}:${link.line}: [${link.text}](${link.target}): ${reason}`];
    });
    expect(broken).toEqual([]);
  });

  it('links every docs page from the README', () => {
    const linked = new Set(
      relativeLinks(README).map(({ target }) =>
        resolve(ROOT, decodeURIComponent(target.split('#')[0] ?? '')),
      ),
    );
    const pages = markdownFiles().filter((file) => file !== README);
    expect(pages.filter((page) => !linked.has(page)).map((page) => relative(ROOT, page))).toEqual([]);
  });

  it(`keeps the README a front door: at most ${README_MAX_LINES} lines`, () => {
    const lines = readFileSync(README, 'utf8').trimEnd().split('\n').length;
    expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
  });

  it('makes anchors as GitHub does', () => {
    expect(githubSlug('Lots, expiry and FEFO')).toBe('lots-expiry-and-fefo');
    expect(githubSlug('On Kubernetes (GKE)')).toBe('on-kubernetes-gke');
    expect(githubSlug('`npm start`')).toBe('npm-start');
    expect(githubSlug('The [SDK](sdk.md) and snake_case')).toBe('the-sdk-and-snake_case');
  });
});

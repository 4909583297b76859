#!/usr/bin/env node
// Which paths the Docker build context leaves out: reads paths relative to the repository root,
// one a line, on stdin and prints those the root's .dockerignore excludes. scripts/image-smoke.sh
// has no container engine to send a context to, so it removes these from its clone before the
// build stage, which then sees what `docker build` would.
// The rules are Docker's own (moby/patternmatcher, which BuildKit applies): a pattern is anchored
// at the root (`.env` is only the root's, `**/.env` any folder's); `*` and `?` stay within one
// path segment, `**` spans any number of them, dot folders included; a path is excluded when it or
// one of its parent folders matches; the last matching line wins, `!` lines re-include.
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';

const root = new URL('..', import.meta.url);

/** A .dockerignore line as a RegExp over a whole slash-separated path, as patternmatcher compiles it. */
function compile(pattern) {
  let source = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '*' && pattern[i + 1] === '*') {
      i++;
      if (pattern[i + 1] === '/') i++; // `**/` is `**`
      source += i + 1 === pattern.length ? '.*' : '(.*/)?';
    } else if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else if (ch === '\\' && i + 1 < pattern.length) source += `\\${pattern[++i]}`;
    else if (ch === '[' || ch === ']') source += ch;
    else source += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`${source}$`);
}

function readDockerignore(text) {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const exclusion = line.startsWith('!');
      let pattern = posix.normalize((exclusion ? line.slice(1) : line).trim());
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
      return { exclusion, re: compile(pattern) };
    });
}

/** patternmatcher's MatchesOrParentMatches. */
function excluded(patterns, path) {
  const parts = posix.normalize(path).split('/');
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let matched = false;
  for (const { exclusion, re } of patterns) {
    if (exclusion !== matched) continue;
    if (candidates.some((candidate) => re.test(candidate))) matched = !exclusion;
  }
  return matched;
}

const patterns = readDockerignore(readFileSync(new URL('.dockerignore', root), 'utf8'));
const paths = readFileSync(0, 'utf8').split('\n').filter(Boolean);
for (const path of paths) if (excluded(patterns, path)) console.log(path);

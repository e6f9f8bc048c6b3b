import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSafetensors } from '@atelier/core';
import { describe, expect, it } from 'vitest';
import { runAtelier } from './run-atelier.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '../../core/test/fixtures/torch');

const atelier = runAtelier(60_000);

describe('atelier convert', () => {
  it('writes the same tensors as the reference reading of the .pth', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'atelier-convert-')), 'seq.safetensors');
    const { code, stdout } = await atelier('convert', join(fixtures, 'sequential.pth'), out);
    expect(code).toBe(0);
    expect(stdout).toMatch(/tensors/);
    const got = readSafetensors(new Uint8Array(readFileSync(out)));
    const want = readSafetensors(
      new Uint8Array(readFileSync(join(fixtures, 'sequential.expected.safetensors'))),
    );
    expect(Object.keys(got.tensors).sort()).toEqual(Object.keys(want.tensors).sort());
    for (const [key, t] of Object.entries(want.tensors)) {
      expect(got.tensors[key]!.shape).toEqual(t.shape);
      expect(Array.from(got.tensors[key]!.dataSync())).toEqual(Array.from(t.dataSync()));
    }
    expect(got.metadata.layout).toBe('torch');
  });

  it('refuses a malicious pickle with one line, and a missing file', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'atelier-convert-')), 'x.safetensors');
    const bad = await atelier('convert', join(fixtures, 'malicious.pth'), out);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/FormatError: .*posix\.system/);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    const missing = await atelier('convert', '/nonexistent.pth', out);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read '\/nonexistent.pth'/);
  });
});

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeImage } from '@atelier/core';
import { afterAll, describe, expect, it } from 'vitest';
import { runAtelier } from './run-atelier.js';

const root = mkdtempSync(join(tmpdir(), 'atelier-cli-task-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const atelier = runAtelier(150_000);

describe('atelier task', () => {
  const run = join(root, 'ae');
  const TINY = ['--size', '16', '--count', '8', '--batch', '4', '--latent', '4', '--features', '4'];

  it('trains a task into a run folder, resumes it and applies its weights', async () => {
    const first = await atelier(
      'task',
      'autoencoder',
      '--out',
      run,
      '--steps',
      '3',
      ...TINY,
      '--downsamplings',
      '2',
      '--backend',
      'cpu',
    );
    expect(first.code, first.stderr).toBe(0);
    for (const f of [
      'config.json',
      'metrics.jsonl',
      'checkpoint.safetensors',
      'net.safetensors',
      'index.html',
    ])
      expect(existsSync(join(run, f)), f).toBe(true);
    const more = await atelier(
      'task',
      'autoencoder',
      '--out',
      run,
      '--resume',
      '--steps',
      '5',
      '--backend',
      'cpu',
    );
    expect(more.code, more.stderr).toBe(0);
    const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8'));
    expect(config.harness).toBe('autoencoder');
    expect(config.train.steps).toBe(5);
    const out = join(root, 'outs');
    const input = join(run, 'samples', 'step-0.png');
    const applied = await atelier(
      'task',
      'autoencoder',
      'apply',
      '--weights',
      run,
      input,
      '--out',
      out,
      '--backend',
      'cpu',
    );
    expect(applied.code, applied.stderr).toBe(0);
    const image = await decodeImage(readFileSync(join(out, 'step-0.png')));
    expect(image.shape).toEqual([16, 16, 3]);
    image.dispose();
  });

  it('refuses unknown tasks and bad flags with usage errors', async () => {
    const unknown = await atelier('task', 'nothing', '--out', join(root, 'x'));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown task 'nothing'; expected one of autoencoder/);
    const bad = await atelier('task', 'autoencoder', '--out', join(root, 'y'), '--latent', 'abc');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--latent: expected an integer/);
    const noWeights = await atelier(
      'task',
      'autoencoder',
      'apply',
      'a.png',
      '--out',
      join(root, 'z'),
    );
    expect(noWeights.code).toBe(2);
  });
});

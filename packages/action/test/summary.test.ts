import { describe, expect, it } from 'vitest';
import { isBrowserLoadable } from '../src/summary.js';

describe('isBrowserLoadable', () => {
  it('accepts public http(s) URLs', () => {
    expect(isBrowserLoadable('https://plots.example.com/api/snapshots/snap_1/plot?sig=x')).toBe(
      true,
    );
    expect(isBrowserLoadable('http://203.0.113.7:8080/p.png')).toBe(true);
  });

  it('rejects runner-local, private and non-http URLs', () => {
    for (const url of [
      'http://127.0.0.1:8080/p.png',
      'http://localhost/p.png',
      'http://10.1.2.3/p.png',
      'http://192.168.0.9/p.png',
      'http://172.20.0.2/p.png',
      'http://[::1]:80/p.png',
      'http://plots.internal/p.png',
      'file:///tmp/p.png',
      'not a url',
      null,
      undefined,
    ]) {
      expect(isBrowserLoadable(url), String(url)).toBe(false);
    }
  });
});

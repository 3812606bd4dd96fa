import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { byteSize, positiveInt } from '../src/commands/options.js';

describe('option parsers', () => {
  it('reads sizes in binary units', () => {
    expect(byteSize('52428800')).toBe(52_428_800);
    expect(byteSize('50MB')).toBe(50 * 1024 ** 2);
    expect(byteSize('20 MiB')).toBe(20 * 1024 ** 2);
    expect(byteSize('1.5k')).toBe(1536);
    for (const bad of ['', 'lots', '0', '-1MB', '5 parsecs'])
      expect(() => byteSize(bad)).toThrow(InvalidArgumentError);
  });

  it('reads positive whole numbers only', () => {
    expect(positiveInt('8')).toBe(8);
    for (const bad of ['0', '-2', '1.5', 'four', ''])
      expect(() => positiveInt(bad)).toThrow(InvalidArgumentError);
  });
});

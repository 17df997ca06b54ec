import { formatPrefix, shouldUseColor } from './console-output';

describe('formatPrefix', () => {
  it('pads the source name to one column', () => {
    expect(formatPrefix('gateway', false)).toBe('gateway   | ');
    expect(formatPrefix('ingestion', false)).toBe('ingestion | ');
    expect(formatPrefix('launcher', false)).toBe('launcher  | ');
  });

  it('colors only the name', () => {
    expect(formatPrefix('gateway', true)).toBe('\u001b[36mgateway   \u001b[0m| ');
  });
});

describe('shouldUseColor', () => {
  it('colors a terminal and not a pipe', () => {
    expect(shouldUseColor({ isTTY: true }, {})).toBe(true);
    expect(shouldUseColor({ isTTY: false }, {})).toBe(false);
  });

  it('lets NO_COLOR and FORCE_COLOR decide', () => {
    expect(shouldUseColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(shouldUseColor({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(shouldUseColor({ isTTY: false }, { FORCE_COLOR: '0' })).toBe(false);
  });
});

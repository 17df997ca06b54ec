import { procStatFields } from './proc-stat';

describe('procStatFields', () => {
  it('starts after the command name, whatever spaces and parentheses the name holds', () => {
    const fields = procStatFields('8482 (node (a) b) Z 8480 8480 4093 0 -1 4194304 122 0 0 0 731 245');
    expect([fields[0], fields[1], fields[11], fields[12]]).toEqual(['Z', '8480', '731', '245']);
  });
});

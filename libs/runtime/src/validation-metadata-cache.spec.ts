import { IsInt, IsOptional, IsString, MaxLength, Min, validateSync } from 'class-validator';
import { cacheValidationMetadata } from './validation-metadata-cache';

class Before {
  @IsString()
  @MaxLength(5)
  name!: string;

  @IsInt()
  @Min(1)
  count!: number;
}

const errorsOf = (object: object) =>
  validateSync(object, { validationError: { target: false, value: false } }).map((e) => [e.property, Object.keys(e.constraints ?? {})]);

describe('cacheValidationMetadata', () => {
  it('validates as class-validator does, before and after it is installed, also for a class loaded later', () => {
    const cases = [
      Object.assign(new Before(), { name: 'ok', count: 2 }),
      Object.assign(new Before(), { name: 'far too long', count: 0 }),
      Object.assign(new Before(), { name: 3 }),
    ];
    const uncached = cases.map(errorsOf);
    expect(uncached).toEqual([
      [],
      [
        ['name', ['maxLength']],
        ['count', ['min']],
      ],
      [
        ['name', ['maxLength', 'isString']],
        ['count', ['min', 'isInt']],
      ],
    ]);

    cacheValidationMetadata();
    cacheValidationMetadata();
    expect(cases.map(errorsOf)).toEqual(uncached);
    expect(cases.map(errorsOf)).toEqual(uncached);

    // A class whose rules are registered after the first lookups.
    class Later {
      @IsOptional()
      @IsString()
      note?: string;

      @IsInt()
      size!: number;
    }
    expect(errorsOf(Object.assign(new Later(), { size: 1 }))).toEqual([]);
    expect(errorsOf(Object.assign(new Later(), { note: 5, size: 'x' }))).toEqual([
      ['note', ['isString']],
      ['size', ['isInt']],
    ]);
    expect(cases.map(errorsOf)).toEqual(uncached);
  });
});

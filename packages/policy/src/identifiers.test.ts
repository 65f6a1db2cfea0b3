import { displayValue } from './display';
import { PolicyConfigurationError } from './errors';
import { DEFAULT_MAX_ID_LENGTH, validateIdentifier } from './identifiers';
import type { ReasonCode } from './decision';

const ALLOWED_TEXT = 'Ids must be 1 to 128 characters from A-Z a-z 0-9 _ - . : @ (ASCII only).';

describe('validateIdentifier', () => {
  it.each([
    'test-alice',
    'dev-temp-a4327ed3',
    'user_01HZX:tenant.a@b',
    'A',
    'a'.repeat(128),
  ])('accepts %p unchanged', (id) => {
    expect(validateIdentifier(id)).toEqual({ ok: true, id });
  });

  it.each<[string, unknown, ReasonCode]>([
    ['number', 42, 'INVALID_ID_TYPE'],
    ['null', null, 'INVALID_ID_TYPE'],
    ['undefined', undefined, 'INVALID_ID_TYPE'],
    ['object', { id: 'test-x' }, 'INVALID_ID_TYPE'],
    ['String object', new String('test-x'), 'INVALID_ID_TYPE'],
    ['empty', '', 'INVALID_ID_EMPTY'],
    ['129 characters', 'a'.repeat(129), 'INVALID_ID_TOO_LONG'],
    ['leading space', ' test-x', 'INVALID_ID_WHITESPACE'],
    ['trailing space', 'test-x ', 'INVALID_ID_WHITESPACE'],
    ['tab', 'test-\tx', 'INVALID_ID_WHITESPACE'],
    ['newline', 'test-x\n', 'INVALID_ID_WHITESPACE'],
    ['U+00A0 no-break space', 'test-\u00A0x', 'INVALID_ID_WHITESPACE'],
    ['U+2003 em space', 'test-\u2003x', 'INVALID_ID_WHITESPACE'],
    ['U+0085 next line', 'test-\u0085x', 'INVALID_ID_WHITESPACE'],
    ['U+FEFF byte order mark', '\uFEFFtest-x', 'INVALID_ID_WHITESPACE'],
    ['NUL', 'test-\u0000x', 'INVALID_ID_CONTROL_CHARACTER'],
    ['DEL', 'test-x\u007F', 'INVALID_ID_CONTROL_CHARACTER'],
    ['C1 U+0090', 'test-\u0090x', 'INVALID_ID_CONTROL_CHARACTER'],
    ['ESC', '\u001Btest-x', 'INVALID_ID_CONTROL_CHARACTER'],
    ['Cyrillic look-alike е', 'dev-t\u0435mp-x', 'INVALID_ID_CHARACTER'],
    ['fullwidth letters', '\uFF54\uFF45\uFF53\uFF54-x', 'INVALID_ID_CHARACTER'],
    ['zero-width space', 'test-\u200Bx', 'INVALID_ID_CHARACTER'],
    ['emoji', 'test-\u{1F600}', 'INVALID_ID_CHARACTER'],
    ['lone surrogate', 'test-\uD800', 'INVALID_ID_CHARACTER'],
    ['slash', 'test-a/b', 'INVALID_ID_CHARACTER'],
    ['quote', 'test-"x', 'INVALID_ID_CHARACTER'],
  ])('rejects %s with %s', (_label, id, code) => {
    const result = validateIdentifier(id);
    expect(result).toEqual({ ok: false, code, reason: expect.any(String) });
  });

  it('checks whitespace before control characters before other characters', () => {
    expect(validateIdentifier('\u0435\u0000 x')).toMatchObject({ code: 'INVALID_ID_WHITESPACE' });
    expect(validateIdentifier('\u0435\u0000x')).toMatchObject({ code: 'INVALID_ID_CONTROL_CHARACTER' });
  });

  it('checks length before content', () => {
    expect(validateIdentifier(' '.repeat(129))).toMatchObject({ code: 'INVALID_ID_TOO_LONG' });
  });

  it('names the problem, the position and the allowed set', () => {
    expect(validateIdentifier('test-\u00A0x')).toEqual({
      ok: false,
      code: 'INVALID_ID_WHITESPACE',
      reason: `Id "test-\\u{A0}x" is invalid: it contains whitespace (U+00A0 at index 5). ${ALLOWED_TEXT}`,
    });
    expect(validateIdentifier('dev-t\u0435mp-x')).toEqual({
      ok: false,
      code: 'INVALID_ID_CHARACTER',
      reason: `Id "dev-t\\u{435}mp-x" is invalid: it contains a character outside the allowed set (U+0435 at index 5). ${ALLOWED_TEXT}`,
    });
    expect(validateIdentifier('a\u0000')).toEqual({
      ok: false,
      code: 'INVALID_ID_CONTROL_CHARACTER',
      reason: `Id "a\\u{0}" is invalid: it contains a control character (U+0000 at index 1). ${ALLOWED_TEXT}`,
    });
    expect(validateIdentifier('')).toEqual({ ok: false, code: 'INVALID_ID_EMPTY', reason: `Id "" is invalid: it is empty. ${ALLOWED_TEXT}` });
    expect(validateIdentifier(7)).toEqual({
      ok: false,
      code: 'INVALID_ID_TYPE',
      reason: `Id is invalid: it must be a string, got number 7. ${ALLOWED_TEXT}`,
    });
  });

  it('does not echo huge ids in full', () => {
    const huge = 'x'.repeat(10_000);
    const result = validateIdentifier(huge);
    expect(result).toEqual({
      ok: false,
      code: 'INVALID_ID_TOO_LONG',
      reason: `Id "${'x'.repeat(64)}"… (10000 characters) is invalid: it is 10000 characters long, the maximum is 128. ${ALLOWED_TEXT}`,
    });
    if (!result.ok) expect(result.reason.length).toBeLessThan(300);
  });

  it('honours a custom maxLength', () => {
    expect(validateIdentifier('abcd', { maxLength: 3 })).toMatchObject({ ok: false, code: 'INVALID_ID_TOO_LONG' });
    expect(validateIdentifier('abc', { maxLength: 3 })).toEqual({ ok: true, id: 'abc' });
    expect(DEFAULT_MAX_ID_LENGTH).toBe(128);
  });

  it.each([0, -1, 1.5, Number.NaN, '128'])('throws PolicyConfigurationError for maxLength %p', (maxLength) => {
    expect(() => validateIdentifier('a', { maxLength: maxLength as number })).toThrow(PolicyConfigurationError);
  });
});

describe('displayValue', () => {
  it.each<[unknown, string]>([
    ['test-x', '"test-x"'],
    ['a\tb', '"a\\u{9}b"'],
    ['\u0000', '"\\u{0}"'],
    ['q"\\', '"q\\u{22}\\u{5C}"'],
    ['\u{1F600}', '"\\u{1F600}"'],
    [42, 'number 42'],
    [true, 'boolean true'],
    [10n, 'bigint 10'],
    [null, 'null'],
    [undefined, 'undefined'],
    [{ toString: () => 'boom' }, 'object'],
    [['a'], 'array'],
    [() => 1, 'function'],
    [Symbol('s'), 'symbol'],
  ])('%p -> %s', (value, expected) => {
    expect(displayValue(value)).toBe(expected);
  });

  it('keeps 64 characters and reports the full length', () => {
    expect(displayValue('y'.repeat(65))).toBe(`"${'y'.repeat(64)}"… (65 characters)`);
    expect(displayValue('y'.repeat(64))).toBe(`"${'y'.repeat(64)}"`);
  });
});

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

/**
 * The 10,000 most common passwords of 8 or more characters, lower-cased: the ranked list that
 * @zxcvbn-ts/language-common 4.1.3 ships (from the xato "10 million passwords" corpus of leaked
 * passwords, as in SecLists), filtered to 8-128 characters. Shorter ones fail the length rule anyway.
 * Beside this module (src/domain under ts-jest; dist/domain in the image, which copies it there), or
 * in src/domain seen from a local dist/ build.
 */
const LIST_PATHS = [
  path.join(__dirname, 'common-passwords.txt'),
  path.resolve(__dirname, '..', '..', 'src', 'domain', 'common-passwords.txt'),
];

let common: Set<string> | undefined;

function commonPasswords(): Set<string> {
  common ??= new Set(
    readFileSync(LIST_PATHS.find((candidate) => existsSync(candidate)) ?? LIST_PATHS[0], 'utf8')
      .split('\n')
      .filter((line) => line !== ''),
  );
  return common;
}

/** Loads the list now (at startup) instead of at the first signup. */
export function loadCommonPasswords(): number {
  return commonPasswords().size;
}

/** Length in characters (code points), so an emoji counts once. */
export function passwordLength(password: string): number {
  return [...password].length;
}

/** Whether the password (compared case-insensitively) is one of the common or breached ones. */
export function isCommonPassword(password: string): boolean {
  return commonPasswords().has(password.toLowerCase());
}

/** The line a platform process prints once it serves: this word, a space, its URLs as JSON. */
export const READY = 'FRONTROW_PLATFORM_READY';

/** The admin every browser-test platform seeds (its own throwaway database: not a secret). */
export const TEST_ADMIN = { email: 'admin@frontrow.test', password: 'test admin password' };

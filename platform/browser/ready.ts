/** The line a platform process prints once it serves: this word, a space, its URLs as JSON. */
export const READY = 'FRONTROW_PLATFORM_READY';

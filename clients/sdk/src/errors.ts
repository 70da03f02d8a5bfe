import { CombinedGraphQLErrors, CombinedProtocolErrors, ServerError } from '@apollo/client';

/** The `extensions.code` of an error from the client, or a network kind. */
export function errorCode(error: unknown): string | undefined {
  if (CombinedGraphQLErrors.is(error)) return error.errors[0]?.extensions?.code as string | undefined;
  if (CombinedProtocolErrors.is(error)) return error.errors[0]?.extensions?.code as string | undefined;
  if (ServerError.is(error)) {
    try {
      const body = JSON.parse(error.bodyText) as { errors?: Array<{ extensions?: { code?: string } }> };
      return body.errors?.[0]?.extensions?.code ?? `HTTP_${error.statusCode}`;
    } catch {
      return `HTTP_${error.statusCode}`;
    }
  }
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') return error.code;
  if (error instanceof TypeError) return 'NETWORK';
  return undefined;
}

/** The server's own message, for the cases where it is written for people (input checks). */
function serverMessage(error: unknown): string | undefined {
  if (CombinedGraphQLErrors.is(error)) return error.errors[0]?.message;
  return undefined;
}

/**
 * What to tell a person about an error: never a raw GraphQL error or a stack trace.
 * `context` words the common cases for the screen they happened on.
 */
export function friendlyError(error: unknown, context: { notFound?: string; conflict?: string; forbidden?: string } = {}): string {
  const online = (globalThis as { navigator?: { onLine?: boolean } }).navigator?.onLine;
  if (online === false) return 'You are offline. Check your connection and try again.';
  const code = errorCode(error);
  const message = serverMessage(error) ?? '';
  switch (code) {
    case 'UNAUTHENTICATED':
      return /password|credential|email/i.test(message) ? 'That email and password do not match an account.' : 'Please sign in to continue.';
    case 'FORBIDDEN':
      return context.forbidden ?? 'You do not have access to this.';
    case 'NOT_FOUND':
      return context.notFound ?? 'We could not find that. It may have been removed.';
    case 'CONFLICT':
      return context.conflict ?? (/sold out|inventory|remaining/i.test(message) ? 'Sold out: there are no passes left.' : readable(message) ?? 'Someone else changed this first. Try again.');
    case 'BAD_USER_INPUT':
      return readable(message) ?? 'Please check what you entered.';
    case 'RATE_LIMITED':
      return 'Too many attempts. Wait a minute and try again.';
    case 'SERVICE_UNAVAILABLE':
      return 'Part of FrontRow is unavailable right now. Try again in a moment.';
    case 'PERSISTED_QUERY_NOT_ALLOWED':
      // The gateway knows only the operations of the apps it was deployed with.
      return 'This version of FrontRow is out of date. Reload to update it.';
    case 'NETWORK':
    case 'HTTP_502':
    case 'HTTP_503':
    case 'HTTP_504':
      return 'FrontRow cannot be reached right now. Try again in a moment.';
    default:
      return 'Something went wrong on our side. Try again in a moment.';
  }
}

/** A server message that reads as a sentence for a person, or undefined. */
function readable(message: string): string | undefined {
  if (!message || message.length > 200 || /[{}<>]|Error:|at \w+ \(/.test(message)) return undefined;
  return message;
}

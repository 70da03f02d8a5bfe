import { CombinedGraphQLErrors } from '@apollo/client';
import { friendlyError } from '../src/errors';

/** An error as Apollo Client hands it over: the server's GraphQL errors. */
function graphQLError(code: string, message = 'A server message.'): CombinedGraphQLErrors {
  return new CombinedGraphQLErrors({ errors: [{ message, extensions: { code } }] });
}

describe('friendlyError', () => {
  it('words each code of the contract for a person, never the raw error', () => {
    expect(friendlyError(graphQLError('SERVICE_UNAVAILABLE', 'The commerce service is unavailable right now; try again shortly.'))).toBe(
      'Part of FrontRow is unavailable right now. Try again in a moment.',
    );
    expect(friendlyError(graphQLError('RATE_LIMITED'))).toBe('Too many attempts. Wait a minute and try again.');
    expect(friendlyError(graphQLError('PERSISTED_QUERY_NOT_ALLOWED'))).toBe('This version of FrontRow is out of date. Reload to update it.');
    expect(friendlyError(graphQLError('NOT_FOUND'), { notFound: 'That game is gone.' })).toBe('That game is gone.');
    expect(friendlyError(graphQLError('BAD_USER_INPUT', 'The name is too long.'))).toBe('The name is too long.');
    expect(friendlyError(graphQLError('BAD_USER_INPUT', 'TypeError: x at f (a.ts:1)'))).toBe('Please check what you entered.');
    expect(friendlyError(graphQLError('INTERNAL_SERVER_ERROR', 'Internal server error.'))).toBe('Something went wrong on our side. Try again in a moment.');
  });
});

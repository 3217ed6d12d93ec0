/** Building blocks of request validation shared by the HTTP routes. */
import { z } from 'zod';

/**
 * A string from a client. PostgreSQL text cannot hold NUL (U+0000): refuse it here, as a 400
 * naming the field, rather than failing at the INSERT with a 500.
 */
export const text = () => z.string().refine((s) => !s.includes('\u0000'), 'must not contain NUL (\\u0000) characters');


/** Which attachment URLs point at our own file store (read from its bytes rather than fetched). */
import { describe, expect, it } from 'vitest';
import { fileUrl, storedFileId } from '../../src/core/files.js';

const ID = '0b6f5c1e-3d2a-4c8e-9f10-2a7b3c4d5e6f';

describe('storedFileId', () => {
  it('reads the id from the URL fileUrl writes, and from an absolute one under the public URL', () => {
    expect(storedFileId(fileUrl(ID))).toBe(ID);
    expect(storedFileId(`https://desk.example.com/api/v1/files/${ID}`)).toBe(ID);
    // A gateway behind a proxy under a path prefix.
    expect(storedFileId(`https://example.com/support/api/v1/files/${ID}`)).toBe(ID);
  });

  it('leaves every other URL alone', () => {
    expect(storedFileId(undefined)).toBeUndefined();
    expect(storedFileId('https://cdn.example.com/photo.jpg')).toBeUndefined();
    expect(storedFileId(`/api/v1/files/${ID}/extra`)).toBeUndefined();
    expect(storedFileId('/api/v1/files/not-an-id')).toBeUndefined();
    expect(storedFileId(`https://example.com/page?next=/api/v1/files/${ID}`)).toBeUndefined();
    expect(storedFileId(`ftp://example.com/api/v1/files/${ID}`)).toBeUndefined();
  });
});

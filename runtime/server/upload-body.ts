/**
 * Reads an uploaded file from a request, the two ways the studio's upload routes accept one
 * (`POST /api/uploads`, `POST /api/workflows/from-image`): a `multipart/form-data` body with the
 * file in the field `file`, or the raw bytes as the body.
 */
import type { Context } from 'hono';
import { UserError } from '../errors';

/** The file's bytes, its name and type when multipart gave them, and the form for other fields. */
export interface UploadBody {
  bytes: Uint8Array;
  filename?: string;
  /** The part's type for multipart, else the request's Content-Type. */
  contentType?: string;
  /** The other multipart fields (null for a raw body). */
  form: FormData | null;
}

/**
 * @param what names the file in the error sentence ("the image", "the image or workflow")
 * @throws UserError BAD_MULTIPART (unreadable multipart), BAD_REQUEST (no `file` field, or an empty upload)
 */
export async function readUploadBody(c: Context, what: string): Promise<UploadBody> {
  const type = c.req.header('content-type') ?? '';
  let out: UploadBody;
  if (type.startsWith('multipart/form-data')) {
    let form: FormData;
    try {
      form = await c.req.formData();
    } catch (err) {
      throw new UserError(
        'BAD_MULTIPART',
        `the multipart upload could not be read: ${(err as Error).message}`,
      );
    }
    const file = form.get('file');
    if (!file || typeof file === 'string')
      throw new UserError('BAD_REQUEST', `send ${what} as the multipart field "file"`);
    out = {
      bytes: new Uint8Array(await file.arrayBuffer()),
      ...(file.name ? { filename: file.name } : {}),
      ...(file.type ? { contentType: file.type } : {}),
      form,
    };
  } else {
    out = {
      bytes: new Uint8Array(await c.req.arrayBuffer()),
      ...(type ? { contentType: type } : {}),
      form: null,
    };
  }
  if (!out.bytes.byteLength) throw new UserError('BAD_REQUEST', 'the upload is empty');
  return out;
}

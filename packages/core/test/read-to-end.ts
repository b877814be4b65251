// A test-only helper shared by the stream tests in src/ (kept out of src/ so it is never published).

/** Reads the body to its end: everything the client will ever receive, decoded as UTF-8. */
export async function readToEnd(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text;
    text += decoder.decode(value, { stream: true });
  }
}

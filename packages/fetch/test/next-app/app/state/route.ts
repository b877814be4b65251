import { state } from '../state';

export const dynamic = 'force-dynamic';

/** What the test reads: streams open now, why the others closed, and the chat's members. */
export function GET(): Response {
  return Response.json({
    open: state.open.size,
    closeReasons: state.closeReasons,
    chatMembers: state.chat.size,
  });
}

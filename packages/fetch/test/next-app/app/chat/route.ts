import { subscribe } from '@ssekit/fetch';
import { state } from '../state';

export const dynamic = 'force-dynamic';

/** Joins the chat channel: the events a reconnecting client missed, then every broadcast. */
export function GET(request: Request): Response {
  return subscribe(request, state.chat);
}

/** Broadcasts the body's text to every member; answers with the event's id. */
export async function POST(request: Request): Promise<Response> {
  const id = await state.chat.send(await request.text(), { event: 'chat' });
  return Response.json({ id });
}

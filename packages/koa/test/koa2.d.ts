// Koa 2 ships no types of its own; its API is the subset @types/koa describes.
declare module 'koa2' {
  import Koa from 'koa';
  export default Koa;
}

// The Next.js app of packages/fetch/test/next.test.ts, which copies it to a temporary folder, links
// next, react and @ssekit/fetch into its node_modules, builds it and serves it on 127.0.0.1.
/** @type {import('next').NextConfig} */
export default {
  // The test links packages from outside the app's folder, which webpack follows and Turbopack refuses.
  typescript: { ignoreBuildErrors: true },
};

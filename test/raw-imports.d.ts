/** Vite's `?raw` imports: a file's text (test/auth/readme-example.test.ts reads README.md this way). */
declare module "*?raw" {
  const text: string;
  export default text;
}

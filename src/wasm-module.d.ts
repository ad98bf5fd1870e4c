// A `.wasm` import: workerd (Cloudflare Workers, wrangler) and Vercel Edge turn it into a compiled module.
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}

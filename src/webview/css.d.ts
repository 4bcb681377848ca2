// CSS imported for its side effect: esbuild bundles it into dist/webview.css.
declare module '*.css';

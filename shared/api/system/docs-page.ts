/**
 * A self-contained page that renders /openapi.json as a readable reference: no assets from
 * other hosts, so it works in the local runtime without internet access.
 */
export const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Proxmox snapshot service API</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1d2430}
h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #ddd}
.op{margin:.6rem 0;padding:.5rem .8rem;border:1px solid #e3e6ea;border-radius:6px}
.m{display:inline-block;min-width:4.5rem;font-weight:600;font-family:monospace}
.p{font-family:monospace}.s{color:#555}pre{background:#f6f8fa;padding:.6rem;overflow:auto;font-size:12px}
details summary{cursor:pointer}
</style></head>
<body><h1>Proxmox snapshot service API</h1>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Send <code>Authorization: Bearer &lt;token&gt;</code> on every route except health and these docs.</p>
<div id="ops">Loading\u2026</div>
<script>
fetch('/openapi.json').then(r=>r.json()).then(doc=>{
  const byTag={};
  for(const [path,item] of Object.entries(doc.paths)){
    for(const [method,op] of Object.entries(item)){
      const tag=(op.tags&&op.tags[0])||'Other';(byTag[tag]=byTag[tag]||[]).push({path,method,op});
    }
  }
  const esc=s=>String(s).replace(/[&<>]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;'}[c]));
  document.getElementById('ops').innerHTML=Object.entries(byTag).map(([tag,ops])=>
    '<h2>'+esc(tag)+'</h2>'+ops.map(({path,method,op})=>
      '<div class="op"><span class="m">'+method.toUpperCase()+'</span> <span class="p">'+esc(path)+'</span>'+
      '<div class="s">'+esc(op.summary||'')+'</div><details><summary>details</summary><pre>'+
      esc(JSON.stringify({parameters:op.parameters,requestBody:op.requestBody,responses:op.responses},null,2))+
      '</pre></details></div>').join('')).join('');
});
</script></body></html>`;

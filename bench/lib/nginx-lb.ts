// The hand-made alternative to the routing mesh: Debian's nginx as a round-robin reverse
// proxy over a service's task addresses, configured the way its documentation suggests
// (keep-alive to the upstreams: `keepalive N`, HTTP/1.1, Connection header cleared).

export interface NginxLbConfig {
  /** Directory for the pid file, error log and temp paths (nothing else is written). */
  dir: string;
  listen: string;
  backends: string[];
  /** Idle keep-alive connections each worker keeps to the upstreams. */
  upstreamKeepalive?: number;
}

export function nginxLbConf(c: NginxLbConfig): string {
  if (c.backends.length === 0) throw new Error('nginx upstream needs at least one backend');
  return `# tsswarm bench/lb-nginx.ts: round-robin over the service's tasks (nginx's default method).
worker_processes auto;
pid ${c.dir}/nginx.pid;
error_log ${c.dir}/error.log warn;
events {
  worker_connections 4096;
}
http {
  access_log off;
  client_body_temp_path ${c.dir}/body;
  proxy_temp_path ${c.dir}/proxy;
  fastcgi_temp_path ${c.dir}/fastcgi;
  uwsgi_temp_path ${c.dir}/uwsgi;
  scgi_temp_path ${c.dir}/scgi;
  upstream web {
${c.backends.map((b) => `    server ${b};`).join('\n')}
    keepalive ${c.upstreamKeepalive ?? 64};
  }
  server {
    listen ${c.listen};
    location / {
      proxy_pass http://web;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
}

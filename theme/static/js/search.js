// Static search over the Pagefind index in /pagefind/. Only case and company content is
// indexed (data-pagefind-body). The index is sharded: /pagefind/ holds the first shard and
// Pagefind's runtime, and /pagefind/shards.json lists the other shards to merge into it.
// Results are built with DOM calls, never innerHTML.
const form = document.querySelector("form.search");
const input = document.getElementById("q");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
let pagefind = null;

function excerptNodes(html) {
  // Pagefind marks hits with <mark>; keep those, reduce everything else to text.
  const doc = new DOMParser().parseFromString(html, "text/html");
  const out = [];
  for (const node of doc.body.childNodes) {
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      out.push(mark);
    } else {
      out.push(document.createTextNode(node.textContent));
    }
  }
  return out;
}

async function loadPagefind() {
  const [instance, shards] = await Promise.all([
    import("/pagefind/pagefind.js"),
    fetch("/pagefind/shards.json").then((response) => response.json()),
  ]);
  await instance.options({ baseUrl: "/" });
  await Promise.all(shards.merge.map((path) => instance.mergeIndex(path)));
  return instance;
}

async function run(query) {
  list.replaceChildren();
  if (!query.trim()) {
    status.textContent = "Type a company name, place or case number.";
    return;
  }
  status.textContent = "Searching…";
  pagefind = pagefind || (await loadPagefind());
  const search = await pagefind.search(query);
  const results = await Promise.all(search.results.slice(0, 20).map((r) => r.data()));
  for (const result of results) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = result.url;
    const kind = result.url.startsWith("/cases/")
      ? ` — case ${result.url.split("/")[2].toUpperCase()}`
      : " — all listings";
    link.textContent = (result.meta.title || result.url) + kind;
    const excerpt = document.createElement("p");
    excerpt.append(...excerptNodes(result.excerpt));
    item.append(link, excerpt);
    list.append(item);
  }
  const n = search.results.length;
  status.textContent = n ? `${n} result${n === 1 ? "" : "s"} for “${query}”.` : `No listing matches “${query}”.`;
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const query = input.value;
  history.replaceState(null, "", `?q=${encodeURIComponent(query)}`);
  run(query);
});

const initial = new URLSearchParams(location.search).get("q");
if (initial) {
  input.value = initial;
  run(initial);
}

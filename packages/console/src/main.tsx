import { createRoot } from "react-dom/client";
import { App } from "./app/App.tsx";
import { connectNetwork } from "./chain/network.ts";
import { loadConsoleConfig } from "./config.ts";
import { NodeAccess } from "./node/access.ts";
import "./styles.css";
import { ErrorBox } from "./ui/states.tsx";

/** config.json beside index.html (or VITE_CONFIG_URL in `vite` dev mode). */
const configUrl = import.meta.env.VITE_CONFIG_URL ?? new URL("config.json", document.baseURI).href;
const root = createRoot(document.getElementById("root")!);

loadConsoleConfig(configUrl).then(
  (config) => {
    const network = connectNetwork(config);
    root.render(<App services={{ network, node: new NodeAccess(config.nodeUrl) }} />);
  },
  (error) =>
    root.render(
      <main className="boot-error">
        <h1>DIMO console</h1>
        <ErrorBox
          title="The console could not load its configuration"
          error={error}
          onRetry={() => location.reload()}
        />
      </main>,
    ),
);

import type { ReactNode } from "react";
import { formatNumber } from "../format.ts";
import { DeveloperCredits } from "../pages/developer/Credits.tsx";
import { DeveloperLicense } from "../pages/developer/License.tsx";
import { DeveloperLicenses } from "../pages/developer/Licenses.tsx";
import { Playground } from "../pages/developer/Playground.tsx";
import { Webhooks } from "../pages/developer/Webhooks.tsx";
import { MakerApplication } from "../pages/maker/Application.tsx";
import { MakerDevices } from "../pages/maker/Devices.tsx";
import { MakerFleet } from "../pages/maker/Fleet.tsx";
import { MakerModels } from "../pages/maker/Models.tsx";
import { MakerOta } from "../pages/maker/Ota.tsx";
import { MakerStake } from "../pages/maker/Stake.tsx";
import { NetworkChallenges } from "../pages/network/Challenges.tsx";
import { NetworkManufacturers } from "../pages/network/Manufacturers.tsx";
import { NetworkRewards } from "../pages/network/Rewards.tsx";
import { NetworkSettlements } from "../pages/network/Settlements.tsx";
import { Overview } from "../pages/Overview.tsx";
import { OwnerDevices } from "../pages/owner/Devices.tsx";
import { OwnerRewards } from "../pages/owner/Rewards.tsx";
import { OwnerVehicle } from "../pages/owner/Vehicle.tsx";
import { OwnerVehicles } from "../pages/owner/Vehicles.tsx";
import { useAsync } from "../ui/async.tsx";
import { Empty } from "../ui/states.tsx";
import { useWallet, type Wallet, WalletProvider } from "../wallet/WalletProvider.tsx";
import { ConsoleProvider, type ConsoleServices, useConsole } from "./context.tsx";
import { Link, match, useRoute } from "./router.tsx";

type Params = Record<string, string>;
interface Route {
  path: string;
  page: (p: Params) => ReactNode;
}

const ROUTES: Route[] = [
  { path: "/", page: () => <Overview /> },
  { path: "/owner/vehicles", page: () => <OwnerVehicles /> },
  { path: "/owner/vehicles/:id", page: (p) => <OwnerVehicle tokenId={BigInt(p.id!)} /> },
  { path: "/owner/devices", page: () => <OwnerDevices /> },
  { path: "/owner/rewards", page: () => <OwnerRewards /> },
  { path: "/developer/licenses", page: () => <DeveloperLicenses /> },
  { path: "/developer/licenses/:id", page: (p) => <DeveloperLicense tokenId={BigInt(p.id!)} /> },
  { path: "/developer/credits", page: () => <DeveloperCredits /> },
  { path: "/developer/playground", page: () => <Playground /> },
  { path: "/developer/webhooks", page: () => <Webhooks /> },
  { path: "/maker/application", page: () => <MakerApplication /> },
  { path: "/maker/stake", page: () => <MakerStake /> },
  { path: "/maker/devices", page: () => <MakerDevices /> },
  { path: "/maker/models", page: () => <MakerModels /> },
  { path: "/maker/fleet", page: () => <MakerFleet /> },
  { path: "/maker/ota", page: () => <MakerOta /> },
  { path: "/network/manufacturers", page: () => <NetworkManufacturers /> },
  { path: "/network/challenges", page: () => <NetworkChallenges /> },
  { path: "/network/rewards", page: () => <NetworkRewards /> },
  { path: "/network/settlements", page: () => <NetworkSettlements /> },
];

const NAV: { title: string; items: [string, string][] }[] = [
  {
    title: "Owner",
    items: [
      ["/owner/vehicles", "Vehicles"],
      ["/owner/devices", "Devices"],
      ["/owner/rewards", "Rewards"],
    ],
  },
  {
    title: "Developer",
    items: [
      ["/developer/licenses", "Licences"],
      ["/developer/credits", "Credits & usage"],
      ["/developer/playground", "Query playground"],
      ["/developer/webhooks", "Webhooks"],
    ],
  },
  {
    title: "Maker",
    items: [
      ["/maker/application", "Application"],
      ["/maker/stake", "Licence & stake"],
      ["/maker/models", "Certification"],
      ["/maker/devices", "Device minting"],
      ["/maker/fleet", "Fleet performance"],
      ["/maker/ota", "OTA releases"],
    ],
  },
  {
    title: "Network",
    items: [
      ["/network/manufacturers", "Manufacturers"],
      ["/network/challenges", "Challenges & rulings"],
      ["/network/rewards", "Reward weeks"],
      ["/network/settlements", "Node settlements"],
    ],
  },
];

export function App(props: { services: ConsoleServices }) {
  return (
    <ConsoleProvider services={props.services}>
      <WalletProvider network={props.services.network}>
        <Shell />
      </WalletProvider>
    </ConsoleProvider>
  );
}

function Shell() {
  const path = useRoute();
  let content: ReactNode = (
    <Empty title="No such page" action={<Link to="/">Go to the overview</Link>}>
      {path} is not a page of the console.
    </Empty>
  );
  for (const r of ROUTES) {
    const params = match(r.path, path);
    if (params) {
      content = r.page(params);
      break;
    }
  }
  return (
    <div className="shell">
      <aside className="sidebar">
        <Link to="/" className="brand">
          <span className="logo" aria-hidden="true" /> DIMO console
        </Link>
        <nav>
          {NAV.map((group) => (
            <div key={group.title} className="nav-group">
              <div className="nav-title">{group.title}</div>
              {group.items.map(([to, label]) => (
                <Link
                  key={to}
                  to={to}
                  className={path === to || path.startsWith(`${to}/`) ? "nav-item active" : "nav-item"}
                >
                  {label}
                </Link>
              ))}
            </div>
          ))}
        </nav>
        <ChainStatus />
      </aside>
      <div className="main">
        <header className="topbar">
          <AccountSwitcher wallet={useWallet()} />
        </header>
        <main className="content">{content}</main>
      </div>
    </div>
  );
}

function ChainStatus() {
  const { network } = useConsole();
  const block = useAsync(() => network.publicClient.getBlockNumber(), [network], { refreshMs: 5000 });
  return (
    <div className="chain-status" title={network.config.rpcUrl}>
      <span className={block.error ? "dot bad" : block.data !== undefined ? "dot good" : "dot"} />
      {network.chain.name} · chain {network.config.chainId}
      <br />
      {block.error
        ? "RPC unreachable"
        : block.data !== undefined
          ? `block ${formatNumber(block.data)}`
          : "connecting…"}
    </div>
  );
}

function AccountSwitcher(props: { wallet: Wallet }) {
  const w = props.wallet;
  return (
    <div className="account-switcher">
      {w.kinds.length > 1 && (
        <select
          aria-label="Wallet"
          value={w.kind}
          onChange={(e) => w.setKind(e.target.value as "demo" | "injected")}
        >
          <option value="injected">Browser wallet</option>
          <option value="demo">Demo accounts</option>
        </select>
      )}
      {w.kinds.length === 0 && <span className="muted">No wallet: install a browser wallet to sign.</span>}
      {w.kind === "injected" && w.accounts.length === 0 && (
        <button type="button" className="button" onClick={() => w.connect()}>
          Connect wallet
        </button>
      )}
      {w.wrongChainId !== undefined && (
        <button type="button" className="button danger" onClick={() => w.switchChain()}>
          Wallet on chain {w.wrongChainId}: switch
        </button>
      )}
      {w.accounts.length > 0 && (
        <select
          aria-label="Account"
          value={w.account?.address}
          onChange={(e) => w.select(e.target.value as `0x${string}`)}
        >
          {w.accounts.map((a) => (
            <option key={a.address} value={a.address}>
              {a.label} · {a.address.slice(0, 6)}…{a.address.slice(-4)}
            </option>
          ))}
        </select>
      )}
    </div>
  );
}

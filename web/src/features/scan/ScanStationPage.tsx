export default function ScanStationPage() {
  return null;
}

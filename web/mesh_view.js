// The quote page's 3-D view of a mesh: the maker's STL drawn with three.js, turned and
// zoomed with the mouse, a finger or the keys, and measured by clicking two points.
// Built by scripts/setup into src/bespoke/api/static/vendor/mesh_view.js (one file).
// Until it runs, or where WebGL is missing, the page keeps its still picture.
import * as THREE from "three";
import { OrbitControls } from "three/examples/jsm/controls/OrbitControls.js";
import { STLLoader } from "three/examples/jsm/loaders/STLLoader.js";

const BACKGROUND = 0xf6f8fb;
const PART = 0x8aa4c8;
const MARK = 0xb42318;
const CLICK_SLOP_PX = 5;

function showView(holder) {
  const picture = holder.querySelector("img");
  const note = holder.querySelector("[data-role=note]");
  const tools = holder.querySelector("[data-role=tools]");
  const distance = holder.querySelector("[data-role=distance]");
  const factor = Number(holder.dataset.factor) || 1;

  let renderer;
  try {
    renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
  } catch (error) {
    note.textContent = "This browser cannot show the part in 3-D (no WebGL); this is a picture of it.";
    return;
  }
  fetch(holder.dataset.src, { credentials: "same-origin" })
    .then((response) => {
      if (!response.ok) throw new Error("the design file could not be loaded (" + response.status + ")");
      return response.arrayBuffer();
    })
    .then((content) => draw(new STLLoader().parse(content)))
    .catch((error) => { note.textContent = "The 3-D view is not available: " + error.message + "."; });

  function draw(geometry) {
    geometry.scale(factor, factor, factor);
    geometry.computeBoundingBox();
    const centre = geometry.boundingBox.getCenter(new THREE.Vector3());
    geometry.translate(-centre.x, -centre.y, -centre.z);
    geometry.computeVertexNormals();
    geometry.computeBoundingSphere();
    const radius = geometry.boundingSphere.radius || 1;

    const scene = new THREE.Scene();
    scene.background = new THREE.Color(BACKGROUND);
    const mesh = new THREE.Mesh(
      geometry,
      new THREE.MeshStandardMaterial({ color: PART, metalness: 0.1, roughness: 0.7, side: THREE.DoubleSide }),
    );
    scene.add(mesh);
    scene.add(new THREE.HemisphereLight(0xffffff, 0x8899aa, 2.4));
    const sun = new THREE.DirectionalLight(0xffffff, 1.4);
    sun.position.set(1, 2, 3);
    scene.add(sun);

    const camera = new THREE.PerspectiveCamera(40, 1, radius / 100, radius * 100);
    const home = new THREE.Vector3(1, -1.4, 1).normalize().multiplyScalar(radius * 3.2);
    camera.up.set(0, 0, 1);
    camera.position.copy(home);

    const canvas = renderer.domElement;
    canvas.tabIndex = 0;
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", holder.dataset.label);
    picture.replaceWith(canvas);
    const controls = new OrbitControls(camera, canvas);
    controls.listenToKeyEvents(canvas);
    controls.addEventListener("change", render);

    const marks = new THREE.Group();
    scene.add(marks);
    const measured = [];
    let measuring = false;

    function fit() {
      const width = holder.clientWidth;
      const height = Math.round(Math.min(width * 0.75, window.innerHeight * 0.6));
      renderer.setPixelRatio(window.devicePixelRatio || 1);
      renderer.setSize(width, height);
      camera.aspect = width / height;
      camera.updateProjectionMatrix();
      render();
    }

    function render() {
      renderer.render(scene, camera);
    }

    function mark(point) {
      const dot = new THREE.Mesh(
        new THREE.SphereGeometry(radius / 60, 16, 12),
        new THREE.MeshBasicMaterial({ color: MARK, depthTest: false }),
      );
      dot.position.copy(point);
      dot.renderOrder = 1;
      marks.add(dot);
    }

    function measureAt(event) {
      const box = canvas.getBoundingClientRect();
      const pointer = new THREE.Vector2(
        ((event.clientX - box.left) / box.width) * 2 - 1,
        -((event.clientY - box.top) / box.height) * 2 + 1,
      );
      const ray = new THREE.Raycaster();
      ray.setFromCamera(pointer, camera);
      const hit = ray.intersectObject(mesh)[0];
      if (!hit) {
        distance.textContent = "Click on the part itself to measure.";
        return;
      }
      if (measured.length === 2) {
        measured.length = 0;
        marks.clear();
      }
      measured.push(hit.point.clone());
      mark(hit.point);
      if (measured.length === 1) {
        distance.textContent = "First point set; click a second point on the part.";
      } else {
        const [a, b] = measured;
        const line = new THREE.Line(
          new THREE.BufferGeometry().setFromPoints([a, b]),
          new THREE.LineBasicMaterial({ color: MARK, depthTest: false }),
        );
        line.renderOrder = 1;
        marks.add(line);
        const d = b.clone().sub(a);
        distance.dataset.mm = a.distanceTo(b).toFixed(3);
        distance.textContent = "Distance: " + a.distanceTo(b).toFixed(1) + " mm (x " +
          Math.abs(d.x).toFixed(1) + ", y " + Math.abs(d.y).toFixed(1) + ", z " +
          Math.abs(d.z).toFixed(1) + " mm)";
      }
      render();
    }

    let down = null;
    canvas.addEventListener("pointerdown", (event) => { down = [event.clientX, event.clientY]; });
    canvas.addEventListener("pointerup", (event) => {
      const still = down && Math.hypot(event.clientX - down[0], event.clientY - down[1]) <= CLICK_SLOP_PX;
      down = null;
      if (measuring && still) measureAt(event);
    });

    tools.querySelector("[data-action=measure]").addEventListener("click", (event) => {
      measuring = !measuring;
      event.currentTarget.setAttribute("aria-pressed", String(measuring));
      distance.textContent = measuring ? "Click two points on the part." : "";
      if (!measuring) {
        measured.length = 0;
        marks.clear();
        render();
      }
    });
    tools.querySelector("[data-action=reset]").addEventListener("click", () => {
      camera.position.copy(home);
      controls.target.set(0, 0, 0);
      controls.update();
      render();
    });
    tools.hidden = false;
    note.textContent = "Drag to turn, scroll or pinch to zoom; with the view focused, the arrow keys move it.";
    window.addEventListener("resize", fit);
    fit();
    holder.dataset.state = "drawn";
  }
}

document.querySelectorAll("[data-mesh-view]").forEach(showView);
